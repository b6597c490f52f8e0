host "srv1" {
  filesystem "/" {
    device  = "/dev/sda1"
    type    = "ext4"
    options = ["noatime", "tagxid"] # want "tag-on-root"
  }

  filesystem "/var/lib/vservers" {
    device  = "/dev/vservers/guests"
    type    = "xfs"
    options = ["tag"]
  }
}

host "srv2" {
  filesystem "/" {
    device  = "/dev/sda1"
    type    = "ext4"
    options = ["noatime"]
  }
}

guest "web" {
  context = 300
  host    = "srv1"

  disk_limit {
    space_total = "1GiB"
  }
}
