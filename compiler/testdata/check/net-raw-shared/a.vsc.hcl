host "srv1" {}

defaults {
  capabilities {
    add = ["net_raw"] # want "net-raw-shared"
  }
}

guest "shared" {
  context = 300
}

guest "pinger" {
  context = 301
  network = "shared"
  capabilities {
    add = ["CAP_NET_RAW", "NET_BIND_SERVICE"] # want "net-raw-shared"
  }
}

guest "router" {
  context = 302
  network = "isolated"
  capabilities {
    add = ["NET_RAW"]
  }
}
