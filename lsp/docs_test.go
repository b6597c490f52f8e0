package lsp

import (
	"slices"
	"strings"
	"testing"
)

// Every block and attribute completion offers has documentation in
// docs/language.md (or extraDocs): a name added to the schema without its
// row in the reference fails here.
func TestEveryNameDocumented(t *testing.T) {
	docs := langDocs()
	var walk func(path []string)
	walk = func(path []string) {
		body, ok := bodyAt(path)
		if !ok {
			return
		}
		for _, e := range body {
			sub := append(slices.Clone(path), e.Name)
			where := strings.Join(sub, ".")
			if e.Block {
				if docs.blockDoc(sub) == "" {
					t.Errorf("block %s has no documentation", where)
				}
				if path == nil && e.Name == "defaults" {
					continue // its body is the guest's
				}
				walk(sub)
				continue
			}
			if docs.attrDoc(path, e.Name) == "" {
				t.Errorf("attribute %s has no documentation", where)
			}
			for _, v := range e.Enum {
				if s, own := docs.section(path); (s == nil || !own || s.rows[v] == "") && where != "guest.reboot.action" {
					t.Errorf("value %q of %s has no documentation", v, where)
				}
			}
		}
	}
	walk(nil)
}

func TestDocsParse(t *testing.T) {
	d := parseDocs("# Title\n\n## 1. Intro\n\nNo block.\n\n## 4. `host`\n\nA machine; see [`ref`](checks/ref.md).\n\nThe attributes:\n\n| attribute | type | meaning |\n|---|---|---|\n| `vservers_dir` | path | the [folder](x.md) of roots |\n| an attribute (`nice`) | — | not a row |\n\n```hcl\nhost \"x\" {}\n```\n\n### `vlan \"NAME\"`\n\nA VLAN.\n\n### Attributes\n\n| attribute | meaning |\n|---|---|\n| `config_dir` | unused |\n")
	h := d.sections["host"]
	if h == nil || h.title != "`host`" {
		t.Fatalf("sections: %v", d.sections)
	}
	if h.prose != "A machine; see `ref`." {
		t.Errorf("prose %q", h.prose)
	}
	if h.rows["vservers_dir"] != "the folder of roots\n\n- type: path" || h.rows["config_dir"] != "unused" || h.rows["nice"] != "" {
		t.Errorf("rows %q", h.rows)
	}
	if d.sections["host/vlan"] == nil || d.sections["host/vlan"].prose != "A VLAN." {
		t.Errorf("vlan section %+v", d.sections["host/vlan"])
	}
	if got := d.blockDoc([]string{"host", "vlan"}); got != "**`vlan \"NAME\"`**\n\nA VLAN." {
		t.Errorf("blockDoc = %q", got)
	}
}
