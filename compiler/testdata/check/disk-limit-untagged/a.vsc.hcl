host "srv1" {
  filesystem "/var/lib/vservers" {
    device  = "/dev/vservers/guests"
    type    = "ext4"
    options = ["tagxid"]
  }

  # Mounted inside the tagged one, without the option: the longest mount
  # point wins.
  filesystem "/var/lib/vservers/untagged" {
    device = "/dev/vservers/untagged"
    type   = "ext4"
  }

  filesystem "/srv" {
    device  = "/dev/vg/srv"
    type    = "xfs"
    options = ["defaults"]
  }
}

host "srv2" {
  filesystem "/data" {
    device  = "/dev/vg/data"
    type    = "xfs"
    options = ["tag"]
  }
}

guest "tagged" {
  host    = "srv1"
  context = 300

  disk_limit {
    space_total  = "1GiB"
    inodes_total = 1000
  }
}

guest "no-limit" {
  host    = "srv1"
  context = 301
  root    = "/srv/no-limit"
}

guest "u1" {
  host    = "srv1"
  context = 302
  root    = "/var/lib/vservers/untagged/u1" # want "disk-limit-untagged"

  disk_limit {
    space_total = "1GiB"
  }
}

guest "u2" {
  host    = "srv1"
  context = 303
  root    = "/var/lib/vservers/untagged/u2"

  disk_limit {
    directory   = "/var/lib/vservers/untagged/u2/data" # want "disk-limit-untagged"
    space_total = "1GiB"
  }
}

guest "xfs" {
  host    = "srv1"
  context = 304
  root    = "/srv/xfs"

  disk_limit {
    directory   = "/srv/xfs" # want "disk-limit-untagged"
    space_total = "1GiB"
  }
}

guest "nowhere" {
  host    = "srv1"
  context = 305
  root    = "/opt/nowhere" # want "disk-limit-untagged"

  disk_limit {
    inodes_total = 1000
  }
}

guest "fleet" {
  for_each = { a = 310, b = 311 }
  host     = "srv2"
  context  = each.value

  disk_limit { # want "disk-limit-untagged" "disk-limit-untagged"
    space_total = "1GiB"
  }
}

guest "data" {
  host    = "srv2"
  context = 320
  root    = "/data/g"

  disk_limit {
    space_total = "1GiB"
  }
}
