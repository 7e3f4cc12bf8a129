"""Rules: each a small class in its own module, registered by id (`checker.rules.base`).

A new rule is one module whose class is decorated with `@register`, and one import below. The engine runs only
rules with an enabled id and loads only the model parts they need.
"""

from __future__ import annotations

from checker.rules import contradiction as _contradiction  # registration: one import per rule module
from checker.rules import date_mismatch as _date_mismatch
from checker.rules import garbled as _garbled
from checker.rules import name_suspect as _name_suspect
from checker.rules import name_variant as _name_variant
from checker.rules import number_mismatch as _number_mismatch
from checker.rules import overlong as _overlong
from checker.rules import self_reference as _self_reference
from checker.rules import source_coverage as _source_coverage
from checker.rules import source_meaning as _source_meaning
from checker.rules import source_name as _source_name
from checker.rules import source_number as _source_number
from checker.rules.base import (
    INFOS,
    RULES,
    Context,
    Rule,
    RuleInfo,
    RuleOption,
    all_rules,
    register,
    rule_ids,
    rule_info,
    validate,
)

__all__ = ["INFOS", "RULES", "Context", "Rule", "RuleInfo", "RuleOption", "all_rules", "register", "rule_ids",
           "rule_info", "validate"]
_RULE_MODULES = (_contradiction, _date_mismatch, _garbled, _name_suspect, _name_variant, _number_mismatch, _overlong,
                 _self_reference, _source_coverage, _source_meaning, _source_name, _source_number)
