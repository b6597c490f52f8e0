host "srv1" {}

guest "web" {
  context = 300
  hostname = "web.example.org" "extra" # want "syntax"
}
