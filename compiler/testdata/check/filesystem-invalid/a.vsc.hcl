host "srv1" {
  filesystem "/var/lib/vservers" {
    device  = "/dev/vservers/guests"
    type    = "btrfs" # want "filesystem-invalid"
    options = ["tagxid"]
  }

  filesystem "/srv/xfs" {
    device  = "/dev/vg/xfs"
    type    = "xfs"
    options = ["tagxid"]
  }

  filesystem "/srv/ext3" {
    device  = "/dev/vg/ext3"
    type    = "ext3"
    options = ["tag"]
  }

  filesystem "/srv/ext2" {
    device  = "/dev/vg/ext2"
    type    = "ext2"
    options = ["tag"]
  }

  filesystem "/srv/ext4" {
    device  = "/dev/vg/ext4"
    type    = "ext4"
    options = ["tagxid"]
  }

  # No tagging: any type will do.
  filesystem "/srv/tmp" {
    device = "tmpfs"
    type   = "tmpfs"
  }

  filesystem "/srv/ext4" { # want "filesystem-invalid"
    device = "/dev/vg/other"
    type   = "ext4"
  }
}

host "srv2" {
  filesystem "/srv/ext4" {
    device = "/dev/vg/ext4"
    type   = "ext4"
  }
}
