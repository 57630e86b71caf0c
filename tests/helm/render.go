// render renders a Helm chart's templates the way `helm template` does, with
// only Debian's packages: Go's text/template plus the sprig functions (what
// helm uses), and helm's own extras supplied here (include, tpl, toYaml,
// fromYaml, toJson's companions, required, fail, lookup, .Release, .Chart,
// .Values, .Capabilities, .Template). It exists because no helm binary can run
// on the project's machines; see helm/tidb-test-rig/README.md for what this
// does and does not prove.
//
// lookup finds nothing, as under `helm template`, unless -cluster names a
// file of YAML documents standing for objects already in the cluster (what
// `helm install/upgrade` would see): then lookup returns the one with that
// apiVersion, kind, namespace and name, or, for an empty name, a list of
// every match under "items" (as helm does). -chart-values replaces the
// chart's values.yaml, as `helm upgrade --reuse-values` does with the
// previous release's values (so keys new in this chart are missing).
//
// Build in GOPATH mode against Debian's sources:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o render render.go
//	render -chart helm/tidb-test-rig [-f values.yaml ...] [-release rig]
//	       [-namespace rig] [-revision 1] [-notes NOTES.out] [-cluster objects.yaml]
//	       [-chart-values old-values.yaml]
//
// Output on stdout: every rendered manifest as "---\n# Source: <chart>/templates/<file>\n<text>",
// in file-name order, skipping templates that render to whitespace (as helm
// does). Every document is parsed as YAML; a document that does not parse is
// an error naming the template. NOTES.txt is rendered too, into -notes (it is
// not YAML). Exit status 0 = rendered, 1 = an error (printed on stderr).
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

// helm's .Files: the chart's files outside templates/ (Get returns "" for
// a missing one, as helm does).
type chartFiles struct{ dir string }

func (f chartFiles) Get(name string) string {
	b, err := os.ReadFile(filepath.Join(f.dir, filepath.Clean("/"+name)))
	if err != nil {
		return ""
	}
	return string(b)
}

type valueFiles []string

func (v *valueFiles) String() string     { return strings.Join(*v, ",") }
func (v *valueFiles) Set(s string) error { *v = append(*v, s); return nil }

func main() {
	chartDir := flag.String("chart", "", "chart directory (with Chart.yaml, values.yaml, templates/)")
	release := flag.String("release", "rig", ".Release.Name")
	namespace := flag.String("namespace", "default", ".Release.Namespace")
	revision := flag.Int("revision", 1, ".Release.Revision")
	notesOut := flag.String("notes", "", "write the rendered NOTES.txt to this file")
	clusterFile := flag.String("cluster", "", "YAML documents: the objects lookup finds (default: none, as helm template)")
	chartValues := flag.String("chart-values", "", "use this file instead of the chart's values.yaml (helm upgrade --reuse-values)")
	var files valueFiles
	flag.Var(&files, "f", "values file merged over the chart's values.yaml (repeatable, later wins)")
	flag.Parse()
	if *chartDir == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: render -chart DIR [-f values.yaml ...] [-release NAME] [-namespace NS] [-revision N] [-notes FILE] [-cluster FILE] [-chart-values FILE]")
		os.Exit(2)
	}
	var cluster []map[string]interface{}
	if *clusterFile != "" {
		var err error
		if cluster, err = readYAMLDocs(*clusterFile); err != nil {
			fmt.Fprintln(os.Stderr, "render:", err)
			os.Exit(1)
		}
	}
	if err := run(*chartDir, *chartValues, files, *release, *namespace, *revision, *notesOut, cluster, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "render:", err)
		os.Exit(1)
	}
}

func run(chartDir, chartValues string, files []string, release, namespace string, revision int, notesOut string,
	cluster []map[string]interface{}, out io.Writer) error {
	chart, err := readYAMLFile(filepath.Join(chartDir, "Chart.yaml"))
	if err != nil {
		return err
	}
	if chartValues == "" {
		chartValues = filepath.Join(chartDir, "values.yaml")
	}
	values, err := readYAMLFile(chartValues)
	if err != nil {
		return err
	}
	for _, f := range files {
		override, err := readYAMLFile(f)
		if err != nil {
			return err
		}
		values = coalesce(override, values)
	}
	chartName, _ := chart["name"].(string)
	if chartName == "" {
		return errors.New("Chart.yaml has no name")
	}

	// helm's .Chart is its Chart metadata with Go field names.
	chartMeta := map[string]interface{}{}
	for k, v := range chart {
		chartMeta[strings.ToUpper(k[:1])+k[1:]] = v
	}
	top := map[string]interface{}{
		"Values": values,
		"Chart":  chartMeta,
		"Release": map[string]interface{}{
			"Name":      release,
			"Namespace": namespace,
			"Revision":  revision,
			"Service":   "Helm",
			"IsInstall": revision == 1,
			"IsUpgrade": revision > 1,
		},
		"Capabilities": map[string]interface{}{
			"KubeVersion": map[string]interface{}{
				"Version": "v1.29.0", "Major": "1", "Minor": "29", "GitVersion": "v1.29.0",
			},
			"APIVersions": []string{"v1", "apps/v1", "batch/v1"},
		},
		"Files": chartFiles{dir: chartDir},
	}

	// All templates in one set, as helm does, so partials are shared.
	templateDir := filepath.Join(chartDir, "templates")
	entries, err := os.ReadDir(templateDir)
	if err != nil {
		return err
	}
	var names []string
	root := template.New("root")
	// helm: missing keys render as zero values ("<no value>" is removed below).
	root.Option("missingkey=zero")
	root.Funcs(funcMap(root, cluster))
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		text, err := os.ReadFile(filepath.Join(templateDir, e.Name()))
		if err != nil {
			return err
		}
		name := chartName + "/templates/" + e.Name()
		if _, err := root.New(name).Parse(string(text)); err != nil {
			return fmt.Errorf("parse %s: %w", name, err)
		}
		names = append(names, name)
	}
	sort.Strings(names)

	for _, name := range names {
		base := filepath.Base(name)
		if strings.HasPrefix(base, "_") {
			continue // partials are not rendered
		}
		data := withTemplate(top, name, chartName)
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return fmt.Errorf("render %s: %w", name, err)
		}
		text := strings.ReplaceAll(buf.String(), "<no value>", "")
		if base == "NOTES.txt" {
			if notesOut != "" {
				if err := os.WriteFile(notesOut, []byte(text), 0o644); err != nil {
					return err
				}
			}
			continue
		}
		if strings.TrimSpace(text) == "" {
			continue // helm skips empty manifests
		}
		if err := checkYAML(name, text); err != nil {
			return err
		}
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		fmt.Fprintf(out, "---\n# Source: %s\n%s", name, text)
	}
	return nil
}

func withTemplate(top map[string]interface{}, name, chartName string) map[string]interface{} {
	data := map[string]interface{}{}
	for k, v := range top {
		data[k] = v
	}
	data["Template"] = map[string]interface{}{"Name": name, "BasePath": chartName + "/templates"}
	return data
}

// checkYAML parses every document of a rendered template.
func checkYAML(name, text string) error {
	dec := yaml.NewDecoder(strings.NewReader(text))
	for i := 1; ; i++ {
		var doc interface{}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s, document %d, is not valid YAML: %v\n----- rendered -----\n%s", name, i, err, numbered(text))
		}
	}
}

func numbered(text string) string {
	var b strings.Builder
	for i, line := range strings.Split(text, "\n") {
		fmt.Fprintf(&b, "%4d  %s\n", i+1, line)
	}
	return b.String()
}

func funcMap(root *template.Template, cluster []map[string]interface{}) template.FuncMap {
	f := sprig.TxtFuncMap()
	// helm removes these for safety.
	delete(f, "env")
	delete(f, "expandenv")
	includeDepth := map[string]int{}
	f["include"] = func(name string, data interface{}) (string, error) {
		if includeDepth[name] > 1000 {
			return "", fmt.Errorf("include %q: too deep (recursion?)", name)
		}
		includeDepth[name]++
		defer func() { includeDepth[name]-- }()
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, name, data); err != nil {
			return "", err
		}
		return buf.String(), nil
	}
	tplCount := 0
	f["tpl"] = func(text string, data interface{}) (string, error) {
		t, err := root.Clone()
		if err != nil {
			return "", err
		}
		tplCount++
		name := fmt.Sprintf("tpl-%d", tplCount)
		if _, err := t.New(name).Parse(text); err != nil {
			return "", fmt.Errorf("tpl: %w", err)
		}
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, name, data); err != nil {
			return "", fmt.Errorf("tpl: %w", err)
		}
		return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
	}
	f["toYaml"] = toYAML
	f["fromYaml"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := yaml.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["fromJson"] = func(s string) map[string]interface{} {
		m := map[string]interface{}{}
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			m["Error"] = err.Error()
		}
		return m
	}
	f["required"] = func(msg string, v interface{}) (interface{}, error) {
		if v == nil {
			return v, errors.New(msg)
		}
		if s, ok := v.(string); ok && s == "" {
			return v, errors.New(msg)
		}
		return v, nil
	}
	f["fail"] = func(msg string) (string, error) { return "", errors.New(msg) }
	// `helm template` has no cluster: lookup finds nothing (an empty map),
	// unless -cluster gave objects.
	f["lookup"] = func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
		var items []interface{}
		for _, o := range cluster {
			md, _ := o["metadata"].(map[string]interface{})
			if o["apiVersion"] != apiVersion || o["kind"] != kind {
				continue
			}
			if namespace != "" && md["namespace"] != namespace {
				continue
			}
			if name == "" {
				items = append(items, o)
			} else if md["name"] == name {
				return o, nil
			}
		}
		if name == "" {
			return map[string]interface{}{"apiVersion": apiVersion, "kind": kind + "List", "items": items}, nil
		}
		return map[string]interface{}{}, nil
	}
	return f
}

// toYAML is helm's toYaml: the value as YAML without the final newline, ""
// for an error. helm marshals through JSON (sigs.k8s.io/yaml), so numbers
// and key order come out as they do here (keys sorted).
func toYAML(v interface{}) string {
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(jsonRoundTrip(v)); err != nil {
		return ""
	}
	enc.Close()
	return strings.TrimSuffix(buf.String(), "\n")
}

func jsonRoundTrip(v interface{}) interface{} {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out interface{}
	if err := json.Unmarshal(b, &out); err != nil {
		return v
	}
	return out
}

func readYAMLFile(path string) (map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var m map[string]interface{}
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if m == nil {
		m = map[string]interface{}{}
	}
	// helm reads values through JSON: every number is a float64.
	out, ok := jsonRoundTrip(m).(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("%s: not a mapping", path)
	}
	return out, nil
}

// readYAMLDocs reads every mapping of a multi-document YAML file, numbers
// as float64 (as helm's lookup returns them).
func readYAMLDocs(path string) ([]map[string]interface{}, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []map[string]interface{}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	for {
		var doc interface{}
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if doc == nil {
			continue
		}
		m, ok := jsonRoundTrip(doc).(map[string]interface{})
		if !ok {
			return nil, fmt.Errorf("%s: a document is not a mapping", path)
		}
		out = append(out, m)
	}
}

// coalesce merges dst (the chart's values) under src (a user's values file),
// like helm: maps merge key by key, anything else in src wins, and a null in
// src deletes the key.
func coalesce(src, dst map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	for k, v := range dst {
		out[k] = v
	}
	for k, v := range src {
		if v == nil {
			delete(out, k)
			continue
		}
		sm, sok := v.(map[string]interface{})
		dm, dok := out[k].(map[string]interface{})
		if sok && dok {
			out[k] = coalesce(sm, dm)
		} else {
			out[k] = v
		}
	}
	return out
}
