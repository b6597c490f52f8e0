guest "db" {
  host    = "srv1"
  context = 300 # want "context-conflict"
}

guest "fleet" {
  for_each = { a = 400, b = 400 }
  host     = "srv2"
  context  = each.value # want "context-conflict"
}
