// Small browser helpers the workbench calls through JS interop (no inline scripts: the CSP forbids them).
window.bidoraWorkbench = {
  setTheme: function (theme) {
    document.cookie = "bidora.theme=" + (theme === "dark" ? "dark" : "light") + "; path=/; max-age=31536000; samesite=strict";
  }
};
