host "srv1" {
  vservers_dir = "/var/lib/vservers/" # want "path-invalid"
  config_dir   = "etc/vservers" # want "path-invalid"

  filesystem "/srv" {
    device  = "/dev/vg/srv"
    type    = "xfs"
    options = ["tagxid"]
  }

  filesystem "/srv/a/../b" { # want "path-invalid"
    device = "/dev/vg/b"
    type   = "ext4"
  }
}

host "srv2" {
  vservers_dir = "/var/lib/vs"
  config_dir   = "/etc/vs"
}
