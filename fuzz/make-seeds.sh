#!/usr/bin/env bash
# Writes the seed corpora (fuzz/seeds/<target>/) from the protocol's test vectors and a
# few hand-written inputs. Run from the repository root; the output is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
V=tests/vectors
S=fuzz/seeds
# The image seeds (fuzz/seeds/image_scrub: small JPEG and PNG files, one with a
# phone's metadata, one cut short) are committed as they are; everything else is made
# again here.
find "$S" -mindepth 1 -maxdepth 1 ! -name image_scrub -exec rm -rf {} + 2>/dev/null || true
mkdir -p "$S"/{envelope_shape,report_plaintext,bundle,alert,authorization,codename,report_form,questionnaire_form,directory,airgap_file,check_wire,checklist,attachments,upload_parts,mailbox_message}
python3 - "$S" <<'PY'
import struct, sys
S = sys.argv[1]
open(f"{S}/attachments/two-images", "wb").write(bytes([2]) + struct.pack(">II", 3, 4) + b"abcdefg")
framed = bytearray(65536)
framed[0:4] = struct.pack(">I", 5)
framed[4:9] = b"hello"
open(f"{S}/attachments/framed-hello", "wb").write(bytes(framed))
open(f"{S}/upload_parts/two-parts", "wb").write(
    b'\x03xyz--xyz\r\nContent-Disposition: form-data; name="report"\r\n\r\nR\r\n'
    b'--xyz\r\nContent-Disposition: form-data; name="attachments"; filename=""\r\n\r\nA\r\n--xyz--\r\n')
import json
codenames = json.load(open("tests/vectors/codenames.json"))
for name in ["signed_answer", "signed_answer_with_images"]:
    open(f"{S}/mailbox_message/{name}.json", "w").write(json.dumps(codenames[name]["signed"], separators=(",", ":")))
open(f"{S}/mailbox_message/reply.json", "w").write(json.dumps({"reply": {"format": 1, "mailbox": "4d7fa7ae60b9c7994f01d1e8ea0bf210", "written_on": "2026-12-01", "text": "Bonjour", "signed_by": "alice"}, "signature": "AAAA"}, separators=(",", ":")))
PY

cp "$V"/report.age "$V"/reply.age "$V"/fail_report_*.age "$S"/envelope_shape/
for f in "$V"/cctv-age/*; do
  case "$(basename "$f")" in LICENSE.md|SOURCE.md) ;; *) cp "$f" "$S/envelope_shape/cctv-$(basename "$f")" ;; esac
done
cp "$V"/report.json "$S"/report_plaintext/framed-report.json
for f in "$V"/reports/*.json; do cp "$f" "$S/report_plaintext/$(basename "$f")"; done
cp "$V"/bundle.json "$V"/fail_bundle_*.json "$S"/bundle/
cp "$V"/alert.json "$V"/retraction.json "$V"/fail_alert_*.json "$S"/alert/
cp server/content/directory.toml "$S"/directory/

python3 - "$V" "$S" <<'PY'
import base64, hashlib, json, sys
V, S = sys.argv[1], sys.argv[2]
def write(target, name, text):
    with open(f"{S}/{target}/{name}", "w", encoding="utf-8") as f:
        f.write(text)
codenames = json.load(open(f"{V}/codenames.json"))
for i, typed in enumerate(codenames["read_as_the_first"]):
    write("codename", f"read-{i}", typed)
for i, case in enumerate(codenames["refused"]):
    write("codename", f"refused-{i}", case["typed"])
write("authorization", "v2",
      'Jasmine-Ed25519-v2 moderator="alice", audience="127.0.0.1", date="1764633600", '
      'nonce="00112233445566778899aabbccddeeff", '
      'body_sha256="e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", '
      'signature="' + "A" * 86 + '=="')
write("authorization", "v1", 'Jasmine-Ed25519 moderator="alice", date="1764633600"')
forms = {
    "minimal": "date=2026-11-20&precision=day&setting=hotel&severity=risky&category=threats",
    "full": "once=abc&date=2026-11-20&precision=day&part_of_day=evening&setting=client_home"
            "&category=rape&category=theft&severity=danger_of_death&country=fr&region=Ile-de-France"
            "&city=Paris&description=grand%2C+barbe&phones=%2B33+6+12+34+56+78%2C06+11+22+33+44"
            "&handles=%40bad&vehicle=Clio+grise&plates=AB-123-CD&narrative=Il+a+refus%C3%A9"
            "&follow_up=contact&contact=Signal+%2B33611223344&consent=yes",
    "codename": "date=2026-11-20&setting=hotel&severity=risky&category=threats&follow_up=codename",
    "arabic": "date=2026-11-20&setting=hotel&severity=risky&category=threats&narrative=%D8%B3%D8%B1%D9%82%D8%A9",
}
for name, body in forms.items():
    write("report_form", name, body)
write("questionnaire_form", "answers",
      "once=x&what=robbery&what=sexual&when=lt24&allergies=yes&allergies-detail=p%C3%A9nicilline"
      "&treatments-detail=&notes=merci")
write("questionnaire_form", "empty", "")
def checksum(value):
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()
bundle = json.load(open(f"{V}/bundle.json"))
alert = json.load(open(f"{V}/alert.json"))
common = {"version": 2, "file_id": "00112233445566778899aabbccddeeff",
          "organisation_key": open(f"{V}/root.pub").read().strip(),
          "moderator": "alice", "created_on": "2026-12-01"}
inbox = dict(jasmine="inbox", **common, reports=[{"id": "r1", "received_on": "2026-12-01",
             "bundle_version": 5, "ciphertext": "YWdl"}], messages=[], bundle=bundle, alerts=[alert],
             signature="A" * 86 + "==")
outbox = dict(jasmine="outbox", **common, alerts=[alert], retractions=[],
              replies=[{"item_id": "i1", "report_id": "r1", "mailbox": "m1", "ciphertext": "YWdl"}],
              acknowledge={"reports": ["r1"], "messages": []}, signature="A" * 86 + "==")
rfc = json.load(open(f"{V}/rfc9497-ristretto255-sha512-voprf.json"))
b64 = lambda h: base64.b64encode(bytes.fromhex(h)).decode()
write("check_wire", "pk", b64(rfc["pk"]))
write("check_wire", "sk", b64(rfc["sk"]))
for i, vector in enumerate(rfc["vectors"]):
    write("check_wire", f"blinded-{i}", b64(vector["blinded_element"]))
    write("check_wire", f"evaluation-{i}", b64(vector["evaluation_element"]) + "," + b64(vector["proof"]))
check = json.load(open(f"{V}/check.json"))
for i, case in enumerate(check["cases"]):
    write("checklist", f"typed-{i}", case["typed"])
entry = lambda n: {"entry": {"alert_id": f"{n:032x}", "signed_by": "alice",
                             "tag": base64.b64encode(bytes([n]) * 32).decode()},
                   "signature": "A" * 86 + "=="}
write("checklist", "list", json.dumps({"entries": [entry(1), entry(2)]}))
inbox_check = dict(inbox, check_evaluations=[{"item_id": "i2", "evaluated": b64(rfc["vectors"][0]["evaluation_element"]),
                                              "proof": b64(rfc["vectors"][0]["proof"])}])
outbox_check = dict(outbox, check_requests=[{"item_id": "i2", "blinded": b64(rfc["vectors"][0]["blinded_element"])}],
                    check_entries=[entry(1)])
for name, value in (("inbox", inbox), ("outbox", outbox), ("inbox-check", inbox_check), ("outbox-check", outbox_check)):
    value["sha256"] = checksum(value)
    write("airgap_file", name, json.dumps(value, indent=2))
PY
echo "seeds: $(find "$S" -type f | wc -l) files in $S"
