//! `docs/openapi.yaml` as a checker of real answers: the operation must be documented, the
//! status documented for it, the content type one it lists, and a JSON body valid against
//! its schema (JSON Schema 2020-12, as OpenAPI 3.1 uses).

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

use serde_json::{Map, Value};

/// The API description, and which operations have been checked so far.
pub struct Contract {
    doc: Value,
    seen: Mutex<BTreeSet<(String, String)>>,
}

impl Contract {
    /// Reads `docs/openapi.yaml` of this repository.
    pub fn load() -> Contract {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.yaml");
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
        let doc: Value = serde_norway::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
        Contract {
            doc,
            seen: Mutex::new(BTreeSet::new()),
        }
    }

    /// Every operation the document describes, as (method, path template).
    pub fn operations(&self) -> BTreeSet<(String, String)> {
        let mut all = BTreeSet::new();
        for (template, item) in self.doc["paths"].as_object().into_iter().flatten() {
            for method in ["get", "put", "post", "delete", "patch"] {
                if item.get(method).is_some() {
                    all.insert((method.to_uppercase(), template.clone()));
                }
            }
        }
        all
    }

    /// The operations checked so far.
    pub fn seen(&self) -> BTreeSet<(String, String)> {
        self.seen.lock().unwrap().clone()
    }

    /// Checks one answer to `method path`; `Err` says what disagrees with the document.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        // The description's rule for what it does not list: an unknown path is 404
        // `not_found`, a known path with another method 405 `method_not_allowed`.
        let Some(template) = self.template(path) else {
            return self
                .undocumented(404, "not_found", status, body)
                .map_err(|e| format!("{method} {path} (no such path): {e}"));
        };
        let what = format!("{method} {template} → {status}");
        let operation = &self.doc["paths"][&template][method.to_lowercase()];
        if operation.is_null() {
            return self
                .undocumented(405, "method_not_allowed", status, body)
                .map_err(|e| format!("{method} {template} (no such method): {e}"));
        }
        self.seen
            .lock()
            .unwrap()
            .insert((method.to_uppercase(), template.clone()));
        let response = operation["responses"]
            .get(status.to_string())
            .or_else(|| operation["responses"].get("default"))
            .ok_or_else(|| format!("{what}: the status is not documented"))?;
        let response = self.resolve(response);
        let Some(content) = response.get("content").and_then(Value::as_object) else {
            return if body.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "{what}: documented without a body, got {} bytes",
                    body.len()
                ))
            };
        };
        let mime = content_type
            .and_then(|ct| ct.split(';').next())
            .map(str::trim)
            .ok_or_else(|| format!("{what}: no content type"))?;
        let media = content
            .get(mime)
            .ok_or_else(|| format!("{what}: content type {mime} is not documented"))?;
        if mime != "application/json" {
            return Ok(());
        }
        let instance: Value = serde_json::from_slice(body)
            .map_err(|e| format!("{what}: the body is not JSON: {e}"))?;
        let Some(schema) = media.get("schema") else {
            return Ok(());
        };
        self.validate(schema, &instance)
            .map_err(|e| format!("{what}: {e}\nbody: {instance}"))
    }

    /// Checks an answer to a request the document does not list: `want` with `code`.
    fn undocumented(&self, want: u16, code: &str, status: u16, body: &[u8]) -> Result<(), String> {
        if status != want {
            return Err(format!("answered {status}, the document says {want}"));
        }
        let instance: Value =
            serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
        self.validate(&self.schema("ApiError"), &instance)?;
        if instance["error"] != code {
            return Err(format!("the error is {}, not {code}", instance["error"]));
        }
        Ok(())
    }

    /// Validates `instance` against `schema` (which may refer to `#/components/…`).
    pub fn validate(&self, schema: &Value, instance: &Value) -> Result<(), String> {
        let mut root: Map<String, Value> = match schema {
            Value::Object(map) => map.clone(),
            other => return Err(format!("a schema that is not an object: {other}")),
        };
        root.insert("components".into(), self.doc["components"].clone());
        root.insert(
            "$schema".into(),
            Value::String("https://json-schema.org/draft/2020-12/schema".into()),
        );
        let validator = jsonschema::validator_for(&Value::Object(root))
            .map_err(|e| format!("the schema does not compile: {e}"))?;
        let errors: Vec<String> = validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }

    /// A schema of the document's components by name, for direct checks.
    pub fn schema(&self, name: &str) -> Value {
        serde_json::json!({ "$ref": format!("#/components/schemas/{name}") })
    }

    /// The documented path template `path` matches (`{x}` matches one segment).
    fn template(&self, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        self.doc["paths"].as_object()?.keys().find_map(|template| {
            let parts: Vec<&str> = template.split('/').collect();
            let matches = parts.len() == segments.len()
                && parts.iter().zip(&segments).all(|(t, s)| {
                    (t.starts_with('{') && t.ends_with('}') && !s.is_empty()) || t == s
                });
            matches.then(|| template.clone())
        })
    }

    /// Follows a `$ref` to `#/components/…`.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(pointer) => self
                .doc
                .pointer(pointer.trim_start_matches('#'))
                .unwrap_or(value),
            None => value,
        }
    }
}
