guest "one-line" {
  context = 301
  cpuset { cpus = "0-1", mems = "0" } # want "syntax"
}
