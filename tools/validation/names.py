"""Neuron-name join keys and classes, the same rules as the C++ `sbtg eval`.

Mirrors engine/eval/names.cpp (docs/evaluation.md, "Neuron names" and "Class level") so that the
report's pair-level numbers (bootstrap intervals, sign shares, combined fits) use exactly the pairs
`sbtg eval` scores. report.py checks the agreement on every headline number: a divergence between
the two implementations stops the report instead of being published.
"""
import re

# Classes whose own name ends in L or R: the letter is not a side and must stay.
CLASSES_ENDING_IN_LR = {"ADL", "AQR", "AVL", "GLR", "OLL", "PQR", "PVR", "RIR"}
# Classes with dorsal/ventral members (RMDDL, RMED, SABD, IL1VR, ...).
DORSOVENTRAL_CLASSES = {"CEP", "CEPSH", "GLR", "IL1", "IL2", "OLQ", "RMD", "RME",
                        "SAA", "SAB", "SIA", "SIB", "SMB", "SMD", "URA", "URY"}
# Numbered ventral-cord motor neurons (AS1..AS11, DA1..DA9, ...).
VENTRAL_CORD_CLASSES = {"AS", "DA", "DB", "DD", "VA", "VB", "VC", "VD"}

_TRAILING_NUMBER = re.compile(r"^(.*\D)(\d+)$")
_VENTRAL_CORD = re.compile(r"^([A-Z]+)(\d+)$")


def normalize(name):
    """Join key: trimmed, trailing '?' removed, upper case, zero padding dropped (VB01 -> VB1)."""
    key = name.strip().rstrip("?").strip().upper()
    m = _TRAILING_NUMBER.match(key)
    if m:
        digits = m.group(2).lstrip("0") or "0"
        key = m.group(1) + digits
    return key


def neuron_class(name):
    """AVAL -> AVA, RMDDL -> RMD, VB01 -> VB; idempotent on class names."""
    n = normalize(name)
    m = _VENTRAL_CORD.match(n)
    if m and m.group(1) in VENTRAL_CORD_CLASSES:
        return m.group(1)
    if n in CLASSES_ENDING_IN_LR:
        return n
    if len(n) >= 3 and n[-1] in "LR":
        n = n[:-1]
    if len(n) >= 2 and n[-1] in "DV" and n[:-1] in DORSOVENTRAL_CLASSES:
        n = n[:-1]
    return n


def class_groups(names):
    """Distinct classes in order of first appearance and the member indices of each."""
    classes, members, index = [], [], {}
    for k, name in enumerate(names):
        cls = neuron_class(name)
        if cls not in index:
            index[cls] = len(classes)
            classes.append(cls)
            members.append([])
        members[index[cls]].append(k)
    return classes, members
