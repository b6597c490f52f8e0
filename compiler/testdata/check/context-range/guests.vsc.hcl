host "srv1" {}

guest "host0" {
  context = 0 # want "context-range"
}

guest "spectator" {
  context = 1 # want "context-range"
}

guest "first" {
  context = 2
}

guest "last" {
  context = 49151
}

guest "dynamic" {
  context = 49152 # want "context-range"
}

guest "negative" {
  context = -5 # want "context-range"
}

guest "huge" {
  context = 1e30 # want "value-range"
}

guest "fraction" {
  context = 2.5 # want "schema"
}

guest "missing" { # want "schema"
  hostname = "missing"
}
