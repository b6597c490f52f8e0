host "srv1" {
  interface "eth0" {}

  table "t1" {
    id = 1
  }

  table "t252" {
    id = 252
  }

  table "t256" {
    id = 256
  }

  table "biggest" {
    id = 4294967295
  }

  table "unspec0" {
    id = 0 # want "table-invalid"
  }

  table "t253" {
    id = 253 # want "table-invalid"
  }

  table "t254" {
    id = 254 # want "table-invalid"
  }

  table "t255" {
    id = 255 # want "table-invalid"
  }

  table "negative" {
    id = -1 # want "table-invalid"
  }

  table "huge" {
    id = 4294967296 # want "table-invalid"
  }

  table "again" {
    id = 1 # want "table-invalid"
  }

  table "t1" { # want "table-invalid"
    id = 2
  }

  table "main" { # want "table-invalid"
    id = 3
  }

  table "8" { # want "table-invalid"
    id = 9
  }

  table "10" {
    id = 10
  }

  rule {
    from  = "192.0.2.0/24"
    table = "t252"
  }

  rule {
    from  = "192.0.2.0/24"
    table = "254" # a number: the kernel's main table
  }

  rule {
    from  = "192.0.2.0/24"
    table = "t25" # want "reference"
  }

  rule {
    from  = "192.0.2.0/24"
    table = "default" # want "reference"
  }
}

guest "g" {
  host    = "srv1"
  context = 10

  interface "0" {
    dev = "eth0"
    ip  = "192.0.2.2/24"
  }
}
