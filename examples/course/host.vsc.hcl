# The host of the course: one physical machine, srv1, whose eth0 carries
# the school's LAN untagged and two tagged VLANs, 7 and 8, each with its
# own routing table so that a guest answers through its own gateway.

host "srv1" {
  vservers_dir = "/var/lib/vservers"
  config_dir   = "/etc/vservers"

  interface "eth0" {
    addresses = ["192.168.44.10/24"]
  }

  # vconfig add eth0 7 ; ifconfig eth0.7 up
  vlan "eth0.7" {
    link = "eth0"
    id   = 7
  }

  vlan "eth0.8" {
    link = "eth0"
    id   = 8
  }

  # ip route add 10.7.0.0/16 dev eth0.7 table 7
  # ip route add default via 10.7.0.1 table 7
  table "vlan7" {
    id = 7
    route {
      to  = "10.7.0.0/16"
      dev = "eth0.7"
    }
    route {
      to  = "default"
      via = "10.7.0.1"
    }
  }

  table "vlan8" {
    id = 8
    route {
      to  = "10.8.0.0/16"
      dev = "eth0.8"
    }
    route {
      to  = "default"
      via = "10.8.0.1"
    }
  }

  # ip rule add from 10.7.0.0/16 table 7
  rule {
    from     = "10.7.0.0/16"
    table    = "vlan7"
    priority = 1007
  }

  rule {
    from  = "10.8.0.0/16"
    table = "vlan8" # priority left to vsc: the first free one from 1000 + table id
  }

  # mount -o tagxid /dev/vservers/testxid /var/lib/vservers/testxid
  # On a mainline kernel this becomes an ext4 mount with project quotas
  # (the filesystem needs `tune2fs -O project,quota -Q prjquota`).
  filesystem "/var/lib/vservers/testxid" {
    device  = "/dev/vservers/testxid"
    type    = "ext3"
    options = ["tagxid"]
  }
}
