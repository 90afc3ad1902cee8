// Validates every object of rendered manifests (a multi-document YAML file) against the Kubernetes API schemas
// (kubernetes-models; the Prometheus Operator's for PodMonitor), offline. Prints the objects as one JSON array for
// further checks; exits 1 naming the first invalid or unknown object.
//   node validate.mjs rendered.yaml
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";

const groups = {
  "v1": core,
  "apps/v1": apps,
  "policy/v1": policy,
  "networking.k8s.io/v1": networking,
  "monitoring.coreos.com/v1": monitoring,
};

const objects = [];
for (const document of parseAllDocuments(readFileSync(process.argv[2], "utf8"))) {
  if (document.errors.length > 0) {
    fail(`YAML error: ${document.errors[0].message}`);
  }

  const object = document.toJSON();
  if (object === null) {
    continue;
  }

  const name = `${object.kind} ${object.metadata?.name ?? "(no name)"} (${object.apiVersion})`;
  const Model = groups[object.apiVersion]?.[object.kind];
  if (typeof Model !== "function") {
    fail(`${name}: no schema known for this apiVersion and kind`);
  }

  try {
    new Model(object).validate();
  } catch (error) {
    fail(`${name} does not match its schema: ${error.message}`);
  }

  objects.push(object);
}

if (objects.length === 0) {
  fail("no objects in the input");
}

process.stdout.write(JSON.stringify(objects));

function fail(message) {
  process.stderr.write(message + "\n");
  process.exit(1);
}
