host "srv1" {
  interface "eth0" {}
  interface "enp0s31f6" {}
  interface "averyverylongnm" {}
}

guest "fits" {
  context = 10

  interface "0" {
    dev  = "eth0"
    ip   = "192.0.2.10/24"
    name = "abcdefghij" # eth0:abcdefghij is 15 bytes
  }
}

guest "long" {
  context = 11

  interface "0" {
    dev  = "eth0"
    ip   = "192.0.2.11/24"
    name = "abcdefghijk" # want "alias-too-long"
  }

  interface "1" {
    dev  = "enp0s31f6"
    ip   = "192.0.2.12/24"
    name = "web12"
  }

  interface "2" {
    dev  = "enp0s31f6"
    ip   = "192.0.2.13/24"
    name = "web123" # want "alias-too-long"
  }
}

guest "noroom" {
  context = 12

  interface "0" {
    dev = "averyverylongnm"
    ip  = "192.0.2.14/24"
  }

  interface "1" {
    dev  = "averyverylongnm"
    ip   = "192.0.2.15/24"
    name = "x" # want "alias-too-long"
  }
}
