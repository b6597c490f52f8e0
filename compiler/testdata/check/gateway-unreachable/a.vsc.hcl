host "srv1" {
  interface "eth0" {
    addresses = ["192.168.44.10/24", "2001:db8::10/64"]
  }

  interface "eth1" {}

  vlan "eth0.7" {
    link = "eth0"
    id   = 7
  }

  vlan "eth0.8" {
    link = "eth0"
    id   = 8
  }

  table "vlan7" {
    id = 7
    route {
      to  = "10.7.0.0/16"
      dev = "eth0.7"
    }
    # Through the connected route above.
    route {
      to  = "default"
      via = "10.7.0.1"
    }
    # Through the host's own address on eth0.
    route {
      to  = "172.16.0.0/12"
      via = "192.168.44.1"
    }
    # Through guest vs8's address on eth0.8 (the main table's connected route).
    route {
      to  = "10.70.0.0/16"
      via = "10.8.0.1"
    }
    route {
      to  = "10.71.0.0/16"
      via = "10.9.0.1" # want "gateway-unreachable"
    }
    route {
      to  = "10.72.0.0/16"
      via = "10.7.0.1" # want "gateway-unreachable"
      dev = "eth0.8"
    }
    route {
      to  = "10.73.0.0/16"
      via = "10.7.0.1"
      dev = "eth0.7"
    }
    route {
      to  = "10.74.0.0/16"
      via = "10.8.0.1"
      dev = "eth0.8"
    }
    route {
      to  = "10.75.0.0/16"
      via = "192.168.44.1" # want "gateway-unreachable"
      dev = "eth1"
    }
    # A connected route of another table does not count.
    route {
      to  = "10.76.0.0/16"
      via = "10.99.0.1" # want "gateway-unreachable"
    }
    route {
      to  = "10.77.0.0/16"
      dev = "eth9" # want "reference"
    }
    route {
      to  = "2001:db8:1::/48"
      via = "2001:db8::1"
    }
    route {
      to  = "2001:db8:2::/48"
      via = "2001:db8:ff::1" # want "gateway-unreachable"
    }
  }

  table "vlan8" {
    id = 8
    route {
      to  = "10.99.0.0/16"
      dev = "eth0.8"
    }
    route {
      to  = "default"
      via = "10.8.0.1"
    }
  }

  rule {
    from  = "10.7.0.0/16"
    table = "vlan7"
  }

  rule {
    from  = "10.8.0.0/16"
    table = "vlan8"
  }
}

guest "vs7" {
  context = 7

  interface "0" {
    dev = "eth0.7"
    ip  = "10.7.0.2/16"
  }
}

guest "vs8" {
  context = 8

  interface "0" {
    dev = "eth0.8"
    ip  = "10.8.0.2/16"
  }
}
