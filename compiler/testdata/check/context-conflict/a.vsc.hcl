host "srv1" {}
host "srv2" {}

guest "web" {
  host    = "srv1"
  context = 300
}

guest "other-host" {
  host    = "srv2"
  context = 300
}
