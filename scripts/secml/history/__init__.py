"""The principal's own history of source addresses, from the training tuples: which prefixes of a
finding's IP it used before and how often, its usual networks, and whether the account ever saw the
IP. It explains a verdict in words an analyst checks in seconds, and it is strong evidence where an
account is too small for IP Insights to learn from volume."""
