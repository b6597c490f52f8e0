host "srv2" {
  interface "eth1" {
    addresses = ["198.51.100.2/24"]
  }

  table "r" {
    id = 40
    route { # want "table-invalid"
      to = "203.0.113.0/24"
    }
    route {
      to  = "198.51.100.0/24"
      dev = "eth1"
    }
    route {
      to  = "default"
      via = "198.51.100.1"
    }
    route {
      to  = "0.0.0.0/0" # want "table-invalid"
      via = "198.51.100.1"
    }
  }
}
