package ir

// KindUTSSet sets a guest's host and domain names.
const KindUTSSet Kind = "uts.set"

// utsNameMax is the longest host or domain name the kernel keeps
// (__NEW_UTS_LEN).
const utsNameMax = 64

// UTSSet names the guest inside its UTS namespace.
//
//	nsenter --uts=/var/lib/vsc/HOST/guests/x/ns/uts sh -c 'hostname web; domainname example.org'
type UTSSet struct {
	Guest      string `ir:"guest"`
	Nodename   string `ir:"nodename"`             // ≤ 64 bytes
	Domainname string `ir:"domainname,omitempty"` // ≤ 64 bytes
}

func (*UTSSet) Kind() Kind { return KindUTSSet }

func (b *UTSSet) check(c *checker) {
	c.nonEmpty("nodename", b.Nodename)
	c.maxLen("nodename", b.Nodename, utsNameMax)
	c.maxLen("domainname", b.Domainname, utsNameMax)
}
