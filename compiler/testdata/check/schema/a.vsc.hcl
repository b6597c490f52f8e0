host "srv1" {
  interface "eth0" {}

  vlan "eth0.7" { # want "schema"
    link = "eth0"
  }
}

defaults {
  context = 5 # want "schema"
}

guest "web" {
  context = 300
  hostnme = "web.example.org" # want "schema"
  flags   = "virt_mem" # want "schema"
  nice    = "high" # want "schema"

  build {
    method = "debootstarp" # want "schema"
  }

  init {
    style = "sysv"
  }
  init { # want "schema"
    style = "plain"
  }

  rlimits {
    nofile = { soft = 10, hrad = 20 } # want "schema" "schema"
    as     = "12XB" # want "schema"
  }

  bogus {} # want "schema"
}

guest "web" { # want "schema"
  context = 301
}

guest "fleet" {
  for_each = ["a", "b"] # want "schema"
  context  = 400
}
