host "srv1" {
  interface "eth0" {
    addresses = ["192.168.44.10/24"]
  }

  vlan "eth0.7" {
    link = "eth0"
    id   = 7
  }

  vlan "eth0.9" {
    link = "eth0"
    id   = 9
  }

  table "vlan7" {
    id = 7
    route {
      to  = "10.7.0.0/16"
      dev = "eth0.7"
    }
  }

  rule {
    from  = "10.7.0.0/16"
    table = "vlan7"
  }
}

guest "vs7" {
  context = 7

  interface "0" {
    dev = "eth0.7"
    ip  = "10.7.0.2/16"
  }

  interface "1" {
    dev = "eth0.7"
    ip  = "10.8.0.2/16" # want "route-missing"
  }
}

guest "vs9" {
  context = 9

  interface "0" {
    dev = "eth0.9"
    ip  = "10.9.0.2/16" # want "route-missing"
  }
}

# Not on a VLAN: the main table is the right one.
guest "lan" {
  context = 10

  interface "0" {
    dev = "eth0"
    ip  = "192.168.44.20/24"
  }
}
