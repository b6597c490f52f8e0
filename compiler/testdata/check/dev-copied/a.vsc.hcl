host "srv1" {}

guest "base" {
  context = 300

  build {
    method = "skeleton"
  }
}

guest "from-guest" {
  context = 301

  build {
    method = "rsync"
    source = "/var/lib/vservers/base/"
  }
}

guest "clone-guest" {
  context = 302

  build {
    method = "clone"
    source = "/var/lib/vservers/base"
  }
}

guest "p2v" {
  context = 303

  build {
    method = "rsync"
    source = "/" # want "dev-copied"
  }
}

guest "dev" {
  context = 304

  build {
    method = "clone"
    source = "/dev" # want "dev-copied"
  }
}

guest "proc" {
  context = 305

  build {
    method = "rsync"
    source = "/proc/1/root/" # want "dev-copied"
  }
}

guest "sys" {
  context = 306

  build {
    method = "rsync"
    source = "/sys" # want "dev-copied"
  }
}

guest "devices" {
  context = 307

  build {
    method = "rsync"
    source = "/devices"
  }
}
