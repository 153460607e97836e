"""The pure domain: vocabulary, value objects, the Disclosure aggregate and its rules."""
