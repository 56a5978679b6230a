"""Cross-scale covariance: MD plastic strength of an interatomic potential from cheap
indicator properties, with honest uncertainty (Jasperson et al., npj Comput. Mater. 2025)."""
