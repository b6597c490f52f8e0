host "srv1" {}

guest "web" {
  context = 300
  mount "/dev" {
    source = "devtmpfs"
    type   = "devtmpfs" # want "mount-devices"
  }
  mount "/srv/kvm" {
    source  = "/dev/kvm" # want "mount-devices"
    type    = "none"
    options = ["bind"]
  }
  mount "/srv/data" {
    source  = "/srv/data"
    type    = "none"
    options = ["bind"]
  }
}

guest "db" {
  context = 301
  mount "/dev" { # want "mount-devices"
    source = "tmpfs"
    type   = "tmpfs"
  }
  mount "/run" {
    source = "tmpfs"
    type   = "tmpfs"
  }
}
