host "srv1" {
  filesystem "/srv" {
    device  = "/dev/vg/srv"
    type    = "xfs"
    options = ["tagxid"]
  }
}

# A default is checked where it is written, once.
defaults {
  init {
    runlevel = 6 # want "value-range"
  }
}

guest "nice-low" {
  context = 300
  nice    = -20

  init {
    runlevel = 1
  }
}

guest "nice-high" {
  context = 301
  nice    = 19

  init {
    runlevel = 5
  }
}

guest "too-low" {
  context = 302
  nice    = -21 # want "value-range"

  init {
    runlevel = 0 # want "value-range"
  }
}

guest "too-high" {
  context = 303
  nice    = 20 # want "value-range"
}

guest "huge" {
  context = 304
  nice    = 1e30 # want "value-range"
}

# Every instance has the bad value: reported once.
guest "fleet" {
  for_each = { a = 310, b = 311 }
  context  = each.value
  nice     = 25 # want "value-range"
}
