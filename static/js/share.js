// Share links of a page: the links work alone; this adds "copy the link" and the
// device's own share sheet (Web Share API), each only where the browser has it.
(function () {
  "use strict";

  function button(box, label, className) {
    var element = document.createElement("button");
    element.type = "button";
    element.className = className;
    element.textContent = box.getAttribute(label);
    box.querySelector("[data-share-actions]").appendChild(element);
    return element;
  }

  function setUp(box) {
    var url = box.getAttribute("data-share-url");
    var title = box.getAttribute("data-share-title");
    var status = box.querySelector("[data-share-status]");
    var field = box.querySelector(".share__url");

    function say(message) {
      status.textContent = message;
    }

    if (navigator.clipboard && window.isSecureContext) {
      button(box, "data-copy-label", "button button--secondary share__copy-button").addEventListener("click", function () {
        navigator.clipboard.writeText(url).then(
          function () { say(box.getAttribute("data-copied")); },
          function () {
            say(box.getAttribute("data-copy-failed"));
            field.select();
          }
        );
      });
    }

    var data = { title: title, url: url };
    if (navigator.share && (!navigator.canShare || navigator.canShare(data))) {
      button(box, "data-native-label", "button share__native-button").addEventListener("click", function () {
        // A closed share sheet rejects: nothing to tell the visitor.
        navigator.share(data).catch(function () {});
      });
    }

    field.addEventListener("focus", function () { field.select(); });
  }

  function start() {
    var boxes = document.querySelectorAll("[data-share]");
    for (var i = 0; i < boxes.length; i++) {
      setUp(boxes[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
