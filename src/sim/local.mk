# sim layer: filled in as the layer grows
