host "srv1" {}
host "srv2" {}

guest "web" {
  host    = "srv1"
  context = 300
  root    = "/srv/web"
}

guest "api" {
  host    = "srv1"
  context = 301
  root    = "/srv/web/api" # want "root-conflict"
}

# The inner root is reported whatever the order.
guest "inner" {
  host    = "srv1"
  context = 302
  root    = "/srv/x/y" # want "root-conflict"
}

guest "outer" {
  host    = "srv1"
  context = 303
  root    = "/srv/x"
}

guest "db" {
  host    = "srv1"
  context = 304
  root    = "/srv/db"
}

guest "db2" {
  host    = "srv1"
  context = 305
  root    = "/srv/db" # want "root-conflict"
}

guest "db3" {
  host    = "srv1"
  context = 306
  root    = "/srv/db/" # want "root-conflict" "path-invalid"
}

# A shared prefix is not nesting.
guest "dbx" {
  host    = "srv1"
  context = 307
  root    = "/srv/dbx"
}

# Another host may reuse a root.
guest "web-again" {
  host    = "srv2"
  context = 300
  root    = "/srv/web"
}

# Every instance shares one root: reported once.
guest "pool" {
  for_each = { a = 310, b = 311, c = 312 }
  host     = "srv1"
  context  = each.value
  root     = "/srv/pool" # want "root-conflict"
}

# Each instance has its own default root.
guest "fleet" {
  for_each = { a = 320, b = 321 }
  host     = "srv1"
  context  = each.value
}

guest "system" {
  host    = "srv1"
  context = 330
  root    = "/" # want "root-conflict"
}

guest "proc" {
  host    = "srv1"
  context = 331
  root    = "/proc" # want "root-conflict"
}

guest "devguest" {
  host    = "srv1"
  context = 332
  root    = "/dev/guest" # want "root-conflict"
}

guest "sysguest" {
  host    = "srv1"
  context = 333
  root    = "/sys/x" # want "root-conflict"
}

guest "devices" {
  host    = "srv1"
  context = 334
  root    = "/devices"
}

# A guest rooted at vservers_dir holds every default root of its host.
guest "all" {
  host    = "srv2"
  context = 340
  root    = "/var/lib/vservers"
}

guest "child" { # want "root-conflict"
  host    = "srv2"
  context = 341
}
