"""Pieces shared by the MobileNet families (`nets.mobilenet_v1`, `_v2`)."""
