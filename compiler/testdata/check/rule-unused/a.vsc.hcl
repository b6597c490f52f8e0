host "srv1" {
  interface "eth0" {}

  vlan "eth0.7" {
    link = "eth0"
    id   = 7
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

  rule {
    from  = "10.70.0.0/16" # want "rule-unused"
    table = "vlan7"
  }

  rule {
    from  = "all"
    table = "vlan7"
  }

  rule {
    from  = "10.7.0.2/32"
    table = "vlan7"
  }

  rule {
    from  = "10.7.0.3/32" # want "rule-unused"
    table = "vlan7"
  }

  rule {
    from  = "2001:db8:7::/48" # want "rule-unused"
    table = "vlan7"
  }
}

# The guest of 10.7.0.0/16 runs on srv1, not here.
host "srv2" {
  interface "eth0" {}

  rule {
    from  = "10.7.0.0/16" # want "rule-unused"
    table = "254"
  }
}

guest "vs7" {
  host    = "srv1"
  context = 7

  interface "0" {
    dev = "eth0.7"
    ip  = "10.7.0.2/16"
  }
}
