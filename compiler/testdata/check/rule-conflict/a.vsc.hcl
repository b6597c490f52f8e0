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
    from     = "10.7.0.0/16"
    table    = "vlan7"
    priority = 1
  }

  rule {
    from     = "10.7.0.0/16"
    table    = "vlan7"
    priority = 32765
  }

  rule {
    from     = "10.7.0.0/16"
    table    = "vlan7"
    priority = 1 # want "rule-conflict"
  }

  rule {
    from     = "10.7.0.0/16"
    table    = "vlan7"
    priority = 0 # want "rule-conflict"
  }

  rule {
    from     = "10.7.0.0/16"
    table    = "vlan7"
    priority = 32766 # want "rule-conflict"
  }

  rule {
    from     = "10.7.0.0/16"
    table    = "vlan7"
    priority = 32767 # want "rule-conflict"
  }

  rule {
    from     = "10.7.0.0/16"
    table    = "vlan7"
    priority = 40000 # want "rule-conflict"
  }

  rule {
    from     = "10.7.0.0/16"
    table    = "vlan7"
    priority = -1 # want "rule-conflict"
  }

  # Rules without priority get a free one.
  rule {
    from  = "10.7.0.0/16"
    table = "vlan7"
  }

  rule {
    from  = "10.7.0.0/16"
    table = "vlan7"
  }
}

# Another host may reuse a priority.
host "srv2" {
  interface "eth0" {}

  rule {
    from     = "192.0.2.0/24"
    table    = "254"
    priority = 1
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

guest "lan" {
  host    = "srv2"
  context = 7

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.2/24"
  }
}
