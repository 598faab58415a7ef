#ifndef LOOKOUT_CMOSQUITTO_SHIM_H
#define LOOKOUT_CMOSQUITTO_SHIM_H
#include <mosquitto.h>
#include <mqtt_protocol.h>
#endif
