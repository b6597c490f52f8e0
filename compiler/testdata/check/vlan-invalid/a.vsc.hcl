host "srv1" {
  interface "eth0" {}

  vlan "eth0.1" {
    link = "eth0"
    id   = 1
  }

  vlan "eth0.4094" {
    link = "eth0"
    id   = 4094
  }

  vlan "eth0.0" {
    link = "eth0"
    id   = 0 # want "vlan-invalid"
  }

  vlan "eth0.4095" {
    link = "eth0"
    id   = 4095 # want "vlan-invalid"
  }

  vlan "eth0.neg" {
    link = "eth0"
    id   = -3 # want "vlan-invalid"
  }

  vlan "vlan.123456789a" { # 15 bytes
    link = "eth0"
    id   = 20
  }

  vlan "vlan.123456789ab" { # want "vlan-invalid"
    link = "eth0"
    id   = 21
  }

  vlan "eth0:22" { # want "vlan-invalid"
    link = "eth0"
    id   = 22
  }

  vlan "eth0 23" { # want "vlan-invalid"
    link = "eth0"
    id   = 23
  }

  vlan "eth0/24" { # want "vlan-invalid"
    link = "eth0"
    id   = 24
  }

  vlan "eth9.9" {
    link = "eth9" # want "vlan-invalid"
    id   = 9
  }

  # A VLAN on a VLAN (802.1ad, QinQ) is fine.
  vlan "eth0.1.5" {
    link = "eth0.1"
    id   = 5
  }

  vlan "loop" {
    link = "loop" # want "vlan-invalid"
    id   = 10
  }

  vlan "ring-a" {
    link = "ring-b" # want "vlan-invalid"
    id   = 11
  }

  vlan "ring-b" {
    link = "ring-a" # want "vlan-invalid"
    id   = 12
  }
}
