"""What happens between requests: local tool rounds, continuation hops, saving media."""
