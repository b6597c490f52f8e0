host "srv1" {
  interface "eth0" {
    addresses = ["192.0.2.10/24", "2001:db8::10/64"]
  }

  interface "eth1" {
    addresses = ["192.0.2.300/24"] # want "ip-invalid"
  }

  vlan "eth0.7" {
    link      = "eth0"
    id        = 7
    addresses = ["10.7.0.1/16"]
  }

  table "vlan7" {
    id = 7
    route {
      to  = "10.7.0.0/16"
      dev = "eth0.7"
    }
    route {
      to  = "10.7.0.1/16" # want "ip-invalid"
      dev = "eth0.7"
    }
    route {
      to  = "default"
      via = "10.7.0.254"
    }
    route {
      to  = "198.51.100.0/24"
      via = "10.7.0.254/16" # want "ip-invalid"
    }
    route {
      to  = "2001:db8:7::/48"
      via = "10.7.0.254" # want "ip-invalid"
    }
    route {
      to  = "203.0.113.0/24"
      via = "10.7.0.x" # want "ip-invalid"
    }
    route {
      to  = "10.77.0.0/16"
      via = "fe80::1%eth0" # want "ip-invalid"
    }
    route {
      to  = "2001:db8:8::/48"
      via = "2001:db8::1"
    }
  }

  rule {
    from  = "10.7.0.0/16"
    table = "vlan7"
  }

  rule {
    from  = "10.7.0.0/33" # want "ip-invalid"
    table = "vlan7"
  }

  rule {
    from  = "2001:db8::/64"
    table = "vlan7"
  }
}

# The course's typo.
guest "course" {
  context = 10

  interface "0" {
    dev = "eth0.7"
    ip  = "10.0.7.0.2" # want "ip-invalid"
  }
}

guest "good" {
  context = 11

  interface "0" {
    dev = "eth0.7"
    ip  = "10.7.0.2/16"
  }

  interface "1" {
    dev = "eth0.7"
    ip  = "10.7.0.3" # a bare address: one host
  }

  interface "2" {
    dev = "eth0"
    ip  = "2001:db8::2/64"
  }
}

guest "zoned" {
  context = 12

  interface "0" {
    dev = "eth0"
    ip  = "fe80::2%eth0" # want "ip-invalid"
  }

  interface "1" {
    dev = "eth0"
    ip  = "192.0.2.20/33" # want "ip-invalid"
  }
}

# One bad value shared by every instance is reported once.
guest "fleet" {
  for_each = { a = 13, b = 14 }
  context  = each.value

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.999/24" # want "ip-invalid"
  }
}
