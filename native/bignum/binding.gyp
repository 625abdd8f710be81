{
  "targets": [
    {
      "target_name": "tallymesh_bignum",
      "sources": ["binding.c", "mont.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-std=gnu11", "-fno-strict-aliasing"],
      "cflags!": ["-O0", "-O1", "-O2"],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=gnu11"] }
    }
  ]
}
