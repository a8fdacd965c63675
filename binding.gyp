{
  "targets": [
    {
      "target_name": "firsthop_sys",
      "sources": ["native/firsthop_sys.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "conditions": [
        ["OS!='linux'", { "sources!": ["native/firsthop_sys.c"] }]
      ]
    }
  ]
}
