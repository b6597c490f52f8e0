host "srv1" {}

guest "debootstrap" {
  context = 300

  build {
    method       = "debootstrap"
    distribution = "etch"
    mirror       = "http://ftp.fr.debian.org/debian"
  }
}

guest "debootstrap-bare" {
  context = 301

  build {
    method       = "debootstrap"
    distribution = "bookworm"
  }
}

guest "debootstrap-bad" {
  context = 302

  build {
    method  = "debootstrap" # want "build-invalid"
    archive = "base.tar.gz" # want "build-invalid"
  }
}

guest "yum" {
  context = 303

  build {
    method       = "yum"
    distribution = "fc6"
  }
}

guest "yum-bad" {
  context = 304

  build {
    method       = "yum"
    distribution = ""  # want "build-invalid"
    mirror       = "http://mirror.example.org/fedora" # want "build-invalid"
  }
}

guest "template" {
  context = 305

  build {
    method  = "template"
    archive = "/var/cache/vservers/mandriva.tar.gz"
  }
}

guest "template-xz" {
  context = 306

  build {
    method  = "template"
    archive = "/var/cache/vservers/base.TXZ"
  }
}

guest "template-zip" {
  context = 307

  build {
    method  = "template"
    archive = "/var/cache/vservers/base.zip" # want "build-invalid"
    source  = "/var/lib/vservers/web" # want "build-invalid"
  }
}

guest "template-missing" {
  context = 308

  build {
    method = "template" # want "build-invalid"
  }
}

guest "rsync" {
  context = 309

  build {
    method = "rsync"
    source = "/var/lib/vservers/debootstrap/"
  }
}

guest "rsync-missing" {
  context = 310

  build {
    method       = "rsync" # want "build-invalid"
    distribution = "etch" # want "build-invalid"
  }
}

guest "clone-missing" {
  context = 311

  build {
    method = "clone" # want "build-invalid"
  }
}

guest "skeleton" {
  context = 312

  build {
    method = "skeleton"
  }
}

guest "skeleton-bad" {
  context = 313

  build {
    method = "skeleton"
    mirror = "http://deb.debian.org/debian" # want "build-invalid"
  }
}
