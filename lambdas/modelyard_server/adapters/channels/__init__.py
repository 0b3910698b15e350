"""Chat and webhook channels: each renders a notice in its wire format; `http` delivers it."""
