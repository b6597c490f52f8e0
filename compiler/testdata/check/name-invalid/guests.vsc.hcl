host "srv1" {
  interface "eth0" {}
}

guest "web_1.example-2" {
  context = 300
}

guest "web server" { # want "name-invalid"
  context = 301
}

guest "-opt" { # want "name-invalid"
  context = 302
}

guest ".hidden" { # want "name-invalid"
  context = 303
}

guest "a/b" { # want "name-invalid"
  context = 304
}

guest ".." { # want "name-invalid"
  context = 305
}

guest "" { # want "name-invalid"
  context = 306
}

guest "café" { # want "name-invalid"
  context = 307
}

guest "tab\there" { # want "name-invalid"
  context = 308
}

guest "gxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" {
  context = 309
}

guest "gxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx" { # want "name-invalid"
  context = 310
}

# fleet["a"] is fleet-a on the host, like the guest below; fleet["b c"]
# has a space.
guest "fleet-a" {
  context = 311
}

guest "fleet" { # want "name-invalid" "name-invalid"
  for_each = { a = 312, "b c" = 313, ok = 314 }
  context  = each.value
}

guest "aliased" {
  context = 320

  interface "0" {
    dev  = "eth0"
    ip   = "192.168.1.20/24"
    name = "al/1" # want "name-invalid"
  }

  interface "1" {
    dev  = "eth0"
    ip   = "192.168.1.21/24"
    name = "ok_1.b-2"
  }

  interface "2" {
    dev  = "eth0"
    ip   = "192.168.1.22/24"
    name = "a b" # want "name-invalid"
  }
}
