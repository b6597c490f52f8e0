guest "bad-utf8" {
  context = 302
  hostname = "café" # want "syntax" "syntax"
}
