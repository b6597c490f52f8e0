# A mount of the defaults block reaches every guest: reported once.
defaults {
  mount "data" { # want "path-invalid"
    source = "/srv/data"
    type   = "none"
  }
}

guest "ok" {
  host    = "srv1"
  context = 300
  root    = "/srv/ok"

  disk_limit {
    directory    = "/srv/ok"
    space_total  = "1GiB"
    inodes_total = 1000
  }

  mount "/" {
    source = "/dev/vg/ok"
    type   = "ext4"
  }

  mount "/mnt/data" {
    source = "/srv/data"
    type   = "none"
  }

  build {
    method = "rsync"
    source = "/srv/base/"
  }
}

guest "relative" {
  host    = "srv1"
  context = 301
  root    = "srv/relative" # want "path-invalid"
}

guest "dot" {
  host    = "srv1"
  context = 302
  root    = "/srv/./dot" # want "path-invalid"
}

guest "double" {
  host    = "srv1"
  context = 303
  root    = "/srv//double" # want "path-invalid"
}

guest "nul" {
  host    = "srv1"
  context = 304
  root    = "/srv/a\u0000b" # want "path-invalid"
}

guest "dirs" {
  host    = "srv1"
  context = 305
  root    = "/srv/dirs"

  disk_limit {
    directory    = "/srv/dirs/../dirs" # want "path-invalid"
    space_total  = "1GiB"
    inodes_total = 1000
  }

  mount "tmp" { # want "path-invalid"
    source = "none"
    type   = "tmpfs"
  }

  mount "/mnt/x/" { # want "path-invalid"
    source = "/srv/x"
    type   = "none"
  }

  mount "/mnt/../etc" { # want "path-invalid"
    source = "/srv/etc"
    type   = "none"
  }

  build {
    method = "clone"
    source = "base" # want "path-invalid"
  }
}

guest "src" {
  host    = "srv2"
  context = 306

  build {
    method = "rsync"
    source = "/var/lib/vs//base/" # want "path-invalid"
  }
}
