"""The API server's format rules for object names, label keys and values, and annotation keys.

A pure layer-0 utility. Each validator mirrors one Go function and returns its error messages,
``[]`` when the value is valid. Sources, quoted where each rule is encoded:

- k8s.io/apimachinery ``pkg/util/validation/validation.go``: IsDNS1123Label, IsDNS1123Subdomain,
  MaxLenError, RegexError; ``pkg/api/validate/content/kube.go``: IsLabelKey (which
  ``validation.IsQualifiedName`` now aliases) and IsLabelValue; ``content/path.go``:
  IsPathSegmentName.
- k8s.io/apimachinery ``pkg/api/validation/objectmeta.go`` (ValidateAnnotations,
  TotalAnnotationSizeLimitB) and ``generic.go`` (NameIsDNSSubdomain, NameIsDNSLabel,
  ValidateNamespaceName).
- kubernetes ``pkg/apis/{core,apps,batch,networking}/validation``: which rule names each kind.

Lengths are Go's ``len()``: UTF-8 bytes, not characters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping

__all__ = [
    "CRONJOB_NAME_MAX_LENGTH",
    "DNS1123_LABEL_MAX_LENGTH",
    "DNS1123_SUBDOMAIN_MAX_LENGTH",
    "LABEL_VALUE_MAX_LENGTH",
    "NAME_RULES",
    "TOTAL_ANNOTATION_SIZE_LIMIT",
    "annotation_key_errors",
    "annotations_size",
    "annotations_size_errors",
    "is_dns1123_label",
    "is_dns1123_subdomain",
    "is_path_segment_name",
    "is_qualified_name",
    "is_valid_label_value",
    "job_name_errors",
    "name_rule",
    "object_name_errors",
    "validate_namespace_name",
]

DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
LABEL_VALUE_MAX_LENGTH = 63
_LABEL_KEY_NAME_MAX_LENGTH = 63
# batch/validation ValidateCronJobCreate: "The cronjob controller appends a 11-character suffix to
# the cronjob (`-$TIMESTAMP`) when creating a job. The job name length limit is 63 characters.
# Therefore cronjob names must have length <= 63-11=52."
CRONJOB_NAME_MAX_LENGTH = 63 - 11
# objectmeta.go: TotalAnnotationSizeLimitB int = 256 * (1 << 10) // 256 kB
TOTAL_ANNOTATION_SIZE_LIMIT = 256 * (1 << 10)

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL_ERR = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric "
    "characters or '-', and must start and end with an alphanumeric character"
)
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + r"(\." + _DNS1123_LABEL_FMT + ")*"
_DNS1123_SUBDOMAIN_ERR = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
    "characters, '-' or '.', and must start and end with an alphanumeric "
    "character"
)
_LABEL_KEY_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_KEY_ERR = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end "
    "with an alphanumeric character"
)
_LABEL_VALUE_FMT = "(" + _LABEL_KEY_FMT + ")?"
_LABEL_VALUE_ERR = (
    "a valid label must be an empty string or consist of alphanumeric characters, "
    "'-', '_' or '.', and must start and end with an alphanumeric character"
)

# Go's regexp.MatchString("^" + fmt + "$") matches the whole text: `$` never matches before a
# trailing newline as Python's does, hence fullmatch. The classes are ASCII; no IGNORECASE, whose
# Unicode folding would let 'K' (KELVIN SIGN) match [a-z].
_DNS1123_LABEL = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(_DNS1123_SUBDOMAIN_FMT)
_LABEL_KEY = re.compile(_LABEL_KEY_FMT)
_LABEL_VALUE = re.compile(_LABEL_VALUE_FMT)


def _memo(check: Callable[[str], list[str]]) -> Callable[[str], list[str]]:
    """The same answer for the same string, computed once: a 10,000-pod dump repeats its label
    keys, values and names thousands of times. Each caller gets its own list."""
    cached = functools.lru_cache(maxsize=1 << 16)(lambda value: tuple(check(value)))

    @functools.wraps(check)
    def wrapper(value: str) -> list[str]:
        return list(cached(value))

    return wrapper


def _go_len(value: str) -> int:
    """Go's ``len(s)``: the UTF-8 byte count."""
    return len(value.encode("utf-8", "surrogatepass"))


def _max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"  # validation.MaxLenError


def _regex_error(msg: str, fmt: str, *examples: str) -> str:
    """validation.RegexError, double space after each example's comma included."""
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


@_memo
def is_dns1123_label(value: str) -> list[str]:
    """validation.IsDNS1123Label: at most 63 bytes of ``[a-z0-9]([-a-z0-9]*[a-z0-9])?``."""
    errs = []
    if _go_len(value) > DNS1123_LABEL_MAX_LENGTH:
        errs.append(_max_len_error(DNS1123_LABEL_MAX_LENGTH))
    if not _DNS1123_LABEL.fullmatch(value):
        if _DNS1123_SUBDOMAIN.fullmatch(value):
            # "It was a valid subdomain and not a valid label. Since we already checked length, it
            # must be dots."
            errs.append("must not contain dots")
        else:
            errs.append(_regex_error(_DNS1123_LABEL_ERR, _DNS1123_LABEL_FMT, "my-name", "123-abc"))
    return errs


@_memo
def is_dns1123_subdomain(value: str) -> list[str]:
    """validation.IsDNS1123Subdomain: at most 253 bytes of dot-separated DNS-1123 labels."""
    errs = []
    if _go_len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errs.append(_max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errs.append(_regex_error(_DNS1123_SUBDOMAIN_ERR, _DNS1123_SUBDOMAIN_FMT, "example.com"))
    return errs


@_memo
def is_qualified_name(value: str) -> list[str]:
    """content.IsLabelKey (validation.IsQualifiedName): ``[prefix/]name``.

    The prefix is a DNS-1123 subdomain; the name part at most 63 bytes of ``[A-Za-z0-9._-]``
    starting and ending alphanumeric. More than one ``/`` is rejected at once.
    """
    errs: list[str] = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs += [f"prefix part {m}" for m in is_dns1123_subdomain(prefix)]
    else:
        return [
            "a valid label key "
            + _regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
            + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        ]
    if not name:
        errs.append("name part must be non-empty")
    elif _go_len(name) > _LABEL_KEY_NAME_MAX_LENGTH:
        errs.append("name part " + _max_len_error(_LABEL_KEY_NAME_MAX_LENGTH))
    if not _LABEL_KEY.fullmatch(name):
        errs.append(
            "name part " + _regex_error(_LABEL_KEY_ERR, _LABEL_KEY_FMT, "MyName", "my.name", "123-abc")
        )
    return errs


@_memo
def is_valid_label_value(value: str) -> list[str]:
    """content.IsLabelValue: empty, or at most 63 bytes like a label key's name part."""
    errs = []
    if _go_len(value) > LABEL_VALUE_MAX_LENGTH:
        errs.append(_max_len_error(LABEL_VALUE_MAX_LENGTH))
    if not _LABEL_VALUE.fullmatch(value):
        errs.append(_regex_error(_LABEL_VALUE_ERR, _LABEL_VALUE_FMT, "MyValue", "my_value", "12345"))
    return errs


def is_path_segment_name(value: str) -> list[str]:
    """content.IsPathSegmentName: the registry's check that a name can be a URL path segment.

    ``pathSegmentNameMayNotBe = {".", ".."}``, ``pathSegmentNameMayNotContain = {"/", "%"}``.
    """
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


# generic.go: "var ValidateNamespaceName = NameIsDNSLabel"
validate_namespace_name = is_dns1123_label

# Which ValidateNameFunc each kind's Validate<Kind> passes to ValidateObjectMeta.
NAME_RULES: Mapping[str, Callable[[str], list[str]]] = {
    # core/validation ValidateNamespace: apimachineryvalidation.ValidateNamespaceName
    "Namespace": validate_namespace_name,
    # core/validation: ValidatePodName = NameIsDNSSubdomain
    "Pod": is_dns1123_subdomain,
    # core/validation: ValidateReplicationControllerName = NameIsDNSSubdomain
    "ReplicationController": is_dns1123_subdomain,
    # apps/validation: ValidateDeploymentName, ValidateDaemonSetName, ValidateReplicaSetName =
    # NameIsDNSSubdomain
    "Deployment": is_dns1123_subdomain,
    "DaemonSet": is_dns1123_subdomain,
    "ReplicaSet": is_dns1123_subdomain,
    # apps/validation ValidateStatefulSetName: NameIsDNSLabel since kubernetes#114172 (v1.26):
    # "StatefulSet names must be DNS labels, rather than subdomains", as pod hostnames derive
    # from them.
    "StatefulSet": is_dns1123_label,
    # batch/validation ValidateJob, ValidateCronJobCreate: "Jobs and rcs have the same name
    # validation" (ValidateReplicationControllerName)
    "Job": is_dns1123_subdomain,
    "CronJob": is_dns1123_subdomain,
    # networking/validation ValidateNetworkPolicyName: NameIsDNSSubdomain
    "NetworkPolicy": is_dns1123_subdomain,
}

_RULE_NAMES: Mapping[Callable[[str], list[str]], str] = {
    is_dns1123_label: "a DNS-1123 label",
    is_dns1123_subdomain: "a DNS-1123 subdomain",
}


def name_rule(kind: str) -> str:
    """What a ``kind``'s metadata.name must be, in words: ``a DNS-1123 subdomain``."""
    rule = _RULE_NAMES[NAME_RULES[kind]]
    if kind == "CronJob":
        rule += f" of at most {CRONJOB_NAME_MAX_LENGTH} characters"
    return rule


def object_name_errors(kind: str, name: str) -> list[str]:
    """The errors ValidateObjectMeta's name function (and the kind's own checks) give ``name``.

    ``kind`` is one of :data:`NAME_RULES`.
    """
    errs = NAME_RULES[kind](name)
    if kind == "CronJob" and _go_len(name) > CRONJOB_NAME_MAX_LENGTH:
        errs.append(f"must be no more than {CRONJOB_NAME_MAX_LENGTH} characters")
    if not errs:
        # The registry's key function (NamespaceKeyFunc) checks IsValidPathSegmentName after
        # validation; every rule above already excludes '.', '..', '/' and '%'.
        errs = is_path_segment_name(name)
    return errs


def job_name_errors(name: str, *, manual_selector: bool, indexed_completions: int | None) -> list[str]:
    """What a Job's name must also satisfy, beyond :func:`object_name_errors`.

    - Unless ``spec.manualSelector`` is true, the registry's generateSelector
      (pkg/registry/batch/job/strategy.go) copies the name into the pod template's ``job-name`` and
      ``batch.kubernetes.io/job-name`` labels, which ValidatePodTemplateSpec then checks as label
      values: a name over 63 bytes is rejected.
    - ValidateJob, for an Indexed Job with completions > 0: "the job controller appends a suffix
      (`-$INDEX`) to the pod hostname", so ``<name>-<completions-1>`` must be a DNS-1123 label.
    """
    errs = []
    if not manual_selector and _go_len(name) > LABEL_VALUE_MAX_LENGTH:
        errs.append(
            f"{_max_len_error(LABEL_VALUE_MAX_LENGTH)} (it becomes the value of the pod "
            "template's job-name label; set spec.manualSelector to avoid that)"
        )
    if indexed_completions is not None and indexed_completions > 0:
        hostname = f"{name}-{indexed_completions - 1}"
        if is_dns1123_label(hostname):
            errs.append(f"will not able to create pod with invalid DNS label: {hostname}")
    return errs


def _go_lower(value: str) -> str:
    """Go's strings.ToLower: simple case mapping, rune by rune ('İ' becomes 'i', not 'i̇')."""
    if value.isascii():
        return value.lower()
    return "".join("i" if c == "\u0130" else c.lower() for c in value)


@_memo
def annotation_key_errors(key: str) -> list[str]:
    """ValidateAnnotations: "The rule is QualifiedName except that case doesn't matter, so convert
    to lowercase before checking."
    """
    return is_qualified_name(_go_lower(key))


def annotations_size(annotations: Mapping[str, str]) -> int:
    """ValidateAnnotationsSize: the sum of len(key) + len(value), in bytes."""
    return sum(_go_len(k) + _go_len(v) for k, v in annotations.items())


def annotations_size_errors(annotations: Mapping[str, str]) -> list[str]:
    """ValidateAnnotations: field.TooLong when the total passes TotalAnnotationSizeLimitB."""
    size = annotations_size(annotations)
    if size > TOTAL_ANNOTATION_SIZE_LIMIT:
        return [f"must have at most {TOTAL_ANNOTATION_SIZE_LIMIT} bytes (annotations total {size} bytes)"]
    return []
