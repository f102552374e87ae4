package fhir

import (
	"embed"
	"io/fs"
	"strings"
)

//go:embed structuredefinitions/*.json
var structureDefinitions embed.FS

// StructureDefinitions returns the R4 StructureDefinition JSON of every
// openslot extension, keyed by the extension's canonical URL (ExtensionBase
// plus its name), for a server to publish.
func StructureDefinitions() map[string][]byte {
	out := map[string][]byte{}
	entries, _ := fs.ReadDir(structureDefinitions, "structuredefinitions")
	for _, e := range entries {
		data, err := structureDefinitions.ReadFile("structuredefinitions/" + e.Name())
		if err != nil {
			continue
		}
		out[ExtensionBase+strings.TrimSuffix(e.Name(), ".json")] = data
	}
	return out
}
