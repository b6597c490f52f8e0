host "srv1" {
  interface "eth0" {
    addresses = ["192.0.2.10/24", "2001:db8::1/64"]
  }

  vlan "eth0.5" {
    link      = "eth0"
    id        = 5
    addresses = ["192.0.2.10/32"] # want "ip-conflict"
  }
}

# Another host may reuse the addresses of srv1.
host "srv2" {
  interface "eth0" {
    addresses = ["192.0.2.10/24"]
  }
}

guest "web" {
  host    = "srv1"
  context = 10

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.20/24"
  }
}

guest "db" {
  host    = "srv1"
  context = 11

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.20/25" # want "ip-conflict"
  }
}

guest "twice" {
  host    = "srv1"
  context = 12

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.30/24"
  }

  interface "1" {
    dev = "eth0"
    ip  = "192.0.2.30" # want "ip-conflict"
  }
}

guest "hostaddr" {
  host    = "srv1"
  context = 13

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.10/24" # want "ip-conflict"
  }

  interface "1" {
    dev = "eth0"
    ip  = "2001:db8:0::1/128" # want "ip-conflict"
  }
}

guest "elsewhere" {
  host    = "srv2"
  context = 10

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.20/24"
  }
}

guest "fleet" {
  for_each = { a = 20, b = 21 }
  host     = "srv2"
  context  = each.value

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.40/24" # want "ip-conflict"
  }
}

# With two hosts, a guest must say which one it runs on.
guest "lost" { # want "reference"
  context = 30
}
