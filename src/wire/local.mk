# wire layer: filled in as the layer grows
