host "srv1" {
  interface "eth0" {}
  interface "eth1" {}
}

host "srv2" {
  interface "eth0" {}
}

guest "web" {
  host    = "srv1"
  context = 10

  interface "0" {
    dev  = "eth0"
    ip   = "192.0.2.10/24"
    name = "www"
  }
}

guest "blog" {
  host    = "srv1"
  context = 11

  interface "0" {
    dev  = "eth0"
    ip   = "192.0.2.11/24"
    name = "www" # want "alias-conflict"
  }

  interface "1" {
    dev  = "eth1" # another link: eth1:www is free
    ip   = "198.51.100.11/24"
    name = "www"
  }
}

guest "bare" {
  host    = "srv1"
  context = 12

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.12/24"
  }

  interface "1" {
    dev = "eth0" # bare labels may repeat
    ip  = "192.0.2.13/24"
  }

  interface "2" {
    dev  = "eth0"
    ip   = "192.0.2.14/24"
    name = "bare"
  }

  interface "3" {
    dev  = "eth0"
    ip   = "192.0.2.15/24"
    name = "bare" # want "alias-conflict"
  }
}

guest "other-host" {
  host    = "srv2"
  context = 10

  interface "0" {
    dev  = "eth0"
    ip   = "192.0.2.10/24"
    name = "www"
  }
}
