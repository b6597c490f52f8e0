host "srv1" {
  interface "eth0" {}
  interface "eth1" {}
  interface "eth1" {} # want "vlan-conflict"

  vlan "eth0.7" {
    link = "eth0"
    id   = 7
  }

  vlan "lan7" {
    link = "eth0"
    id   = 7 # want "vlan-conflict"
  }

  # Another parent may reuse the id.
  vlan "eth1.7" {
    link = "eth1"
    id   = 7
  }

  vlan "eth0.8" {
    link = "eth0"
    id   = 8
  }

  vlan "eth0.8" { # want "vlan-conflict"
    link = "eth1"
    id   = 8
  }

  vlan "eth1" { # want "vlan-conflict"
    link = "eth0"
    id   = 9
  }
}

# Another host may reuse names and ids.
host "srv2" {
  interface "eth0" {}

  vlan "eth0.7" {
    link = "eth0"
    id   = 7
  }
}
