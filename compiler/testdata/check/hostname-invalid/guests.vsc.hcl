host "srv1" {}

guest "ok1" {
  context  = 300
  hostname = "web-1.example.org"
}

guest "ok2" {
  context  = 301
  hostname = "web.example.org."
}

guest "ok3" {
  context  = 302
  hostname = "localhost"
}

guest "ok4" {
  context  = 303
  hostname = "1a.2B.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

  uts {
    nodename = "ok4"
  }
}

guest "bad1" {
  context  = 310
  hostname = "web_1.example.org" # want "hostname-invalid"
}

guest "bad2" {
  context  = 311
  hostname = "-web.example.org" # want "hostname-invalid"
}

guest "bad3" {
  context  = 312
  hostname = "web..example.org" # want "hostname-invalid"
}

guest "bad4" {
  context  = 313
  hostname = "" # want "hostname-invalid"
}

guest "bad5" {
  context  = 314
  hostname = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.org" # want "hostname-invalid"
}

guest "bad6" {
  context  = 315
  hostname = "web-.org" # want "hostname-invalid"
}

guest "bad7" {
  context  = 316
  hostname = "." # want "hostname-invalid"
}

guest "bad8" {
  context  = 317
  hostname = "web site.org" # want "hostname-invalid"
}

# The nodename defaults to the hostname: 64 bytes fit, 65 do not, unless
# uts.nodename is shorter.
guest "node64" {
  context  = 320
  hostname = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.org"
}

guest "node65" {
  context  = 321
  hostname = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.org" # want "hostname-invalid"
}

guest "node65-short" {
  context  = 322
  hostname = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.org"

  uts {
    nodename = "short"
  }
}

guest "long253" {
  context  = 323
  hostname = "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd" # want "hostname-invalid"
}

guest "long254" {
  context  = 324
  hostname = "ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.ccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc.ddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddde" # want "hostname-invalid"
}

guest "uts" {
  context = 330

  uts {
    nodename   = "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" # want "hostname-invalid"
    domainname = "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu" # want "hostname-invalid"
  }
}

guest "uts64" {
  context = 331

  uts {
    nodename   = "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"
    domainname = "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuu"
  }
}
